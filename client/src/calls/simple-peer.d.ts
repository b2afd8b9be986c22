// The part of @thaunknown/simple-peer (no bundled types) that the calls code uses.
declare module "@thaunknown/simple-peer" {
  export interface SimplePeerOptions {
    initiator?: boolean;
    stream?: MediaStream;
    config?: RTCConfiguration;
    trickle?: boolean;
  }
  export default class Peer {
    constructor(opts?: SimplePeerOptions);
    readonly connected: boolean;
    readonly destroyed: boolean;
    _pc: RTCPeerConnection | null;
    signal(data: Record<string, unknown>): void;
    send(data: string): void;
    destroy(err?: Error): void;
    on(event: "signal", cb: (data: Record<string, unknown>) => void): this;
    on(event: "stream", cb: (stream: MediaStream) => void): this;
    on(event: "connect" | "close", cb: () => void): this;
    on(event: "data", cb: (data: Uint8Array | string) => void): this;
    on(event: "error", cb: (err: Error & { code?: string }) => void): this;
    on(event: "iceStateChange", cb: (iceConnectionState: string, iceGatheringState: string) => void): this;
  }
}
