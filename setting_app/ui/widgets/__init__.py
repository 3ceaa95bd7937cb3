"""Small reusable widgets shared by screens and dialogs."""
