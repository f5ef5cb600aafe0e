"""casebook.privacy."""
