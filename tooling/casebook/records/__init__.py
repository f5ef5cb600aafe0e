"""casebook.records."""
