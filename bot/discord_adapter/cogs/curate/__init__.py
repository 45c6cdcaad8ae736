"""/kb: moderators curate the knowledge base from Discord, through the same store as the shell."""
