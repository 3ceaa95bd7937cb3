"""Use cases. Each owns its transaction and checks the user's role before it acts."""
