export { ensureBootstrap, type BootstrapInput, type BootstrapResult } from "./ensure-bootstrap";
