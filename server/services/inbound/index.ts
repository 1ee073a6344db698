export { handleInboundSms, ZInboundSmsInput, type InboundSmsResult, type TInboundSmsInput } from "./handle-inbound-sms";
