"""The processes (cli, web server, clock, console) and the one place they are wired."""
