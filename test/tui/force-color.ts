// Imported first by TUI tests: chalk reads FORCE_COLOR when it is first evaluated (when ink loads).
process.env.FORCE_COLOR = '1';
delete process.env.NO_COLOR;
