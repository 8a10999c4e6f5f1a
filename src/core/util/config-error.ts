/** Bad configuration (a config file or an environment variable), named with file:line:field: the CLI answers exit 2. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
