"""casebook.github."""
