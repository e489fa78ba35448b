"""Planning keeps its own tables: promises made to applications and how far they were off."""
