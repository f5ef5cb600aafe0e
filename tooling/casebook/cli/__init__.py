"""The command line. Thin: parse options, call the core, print, return an exit code."""
