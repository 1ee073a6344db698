export { listSuppressions } from "./list-suppressions";
export { liftErasedSuppression, type TLiftErasedSuppressionInput } from "./lift-erased-suppression";
export { suppressAddress, type TSuppressAddressInput } from "./suppress-address";
