"""Developer scripts (screenshots), kept out of the shipped panels; nothing here is imported by the app."""
