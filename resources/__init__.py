"""Icons, themes and example projects that ship with netcanvas."""
