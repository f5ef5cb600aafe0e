"""casebook.store."""
