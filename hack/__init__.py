"""Development tooling; a package only so tests can import hack.hosts."""
