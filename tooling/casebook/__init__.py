"""casebook: run a council's unacceptable-behaviour procedures from YAML case records in git."""

__version__ = "0.1.0"
