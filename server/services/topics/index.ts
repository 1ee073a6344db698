export { createTopic, ZCreateTopicInput, type TCreateTopicInput } from "./create-topic";
export { listTopics } from "./list-topics";
export { updateTopic, ZUpdateTopicInput } from "./update-topic";
export { ZTopic, ZTopicKey, type TTopic } from "./schemas";
export { DEFAULT_TOPICS, ensureDefaultTopics } from "./defaults";
export { findTopicByKey } from "./queries";
