"""The moderators' web dashboard: a third adapter over the same core as Discord and the
terminal (see docs/running.md, "The dashboard")."""
