"""What the bot records at run time: questions asked, unanswered ones, votes, stats, heartbeat."""
