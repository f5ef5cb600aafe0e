"""casebook.publish."""
