/** A frame of the live gateway, read field by field (see src/http/ws/messages.ts for what clients send). */
// biome-ignore lint/suspicious/noExplicitAny: frames are read field by field by their listeners
export type Frame = Record<string, any>;
