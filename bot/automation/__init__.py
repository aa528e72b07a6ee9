"""What falls due when: issue follow-ups, meeting reminders and status requests."""
