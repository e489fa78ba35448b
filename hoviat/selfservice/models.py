"""Self-service keeps its own tables (complaints); the card lock is the inquiry app's state."""
