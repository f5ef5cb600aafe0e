"""casebook.engine."""
