"""casebook.check."""
