export { authenticateApiKey, type AuthenticatedApiKey } from "./authenticate-api-key";
export { createApiKey } from "./create-api-key";
export { getApiKey } from "./get-api-key";
export { listApiKeys } from "./list-api-keys";
export { revokeApiKey } from "./revoke-api-key";
export {
  ZApiKey,
  ZApiKeyIdInput,
  ZApiKeyScope,
  ZCreateApiKeyInput,
  ZCreateApiKeyOutput,
  type TApiKey,
  type TCreateApiKeyInput,
} from "./schemas";
