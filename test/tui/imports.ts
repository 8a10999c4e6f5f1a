// First import of every TUI test: forces color before chalk loads, then exposes the helpers.
import './force-color.js';
import * as helpers from './helpers.js';
export { helpers };
