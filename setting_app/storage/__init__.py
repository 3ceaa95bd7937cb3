"""The only package that talks to SQLCipher: files, keys, migrations and repositories."""
