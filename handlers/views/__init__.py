"""Pure Block Kit builders: functions that return blocks and do no I/O."""
