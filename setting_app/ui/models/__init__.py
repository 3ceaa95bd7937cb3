"""Qt item models for the lists: windowed, so a list of any length never loads whole."""
