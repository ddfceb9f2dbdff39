export { ServiceProcess as BuiltService, freePort } from '../../scripts/service-process.js';
