export { listSuppressions } from "./list-suppressions";
export { suppressAddress, type TSuppressAddressInput } from "./suppress-address";
