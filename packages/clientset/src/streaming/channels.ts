// The channel protocols' framing (v4.channel.k8s.io, v5.channel.k8s.io): each WebSocket message starts
// with its channel byte, and the rest of the message, in however many pieces it arrives, is that
// channel's payload. Exec, attach and the kubelet's port-forward channels read messages this way.

/**
 * Turns the WebSocket's pieces (`WebSocketHandlers.data`) into `(channel, payload)` calls; empty
 * payloads are left out.
 */
export function channelPayloads(
  onPayload: (channel: number, payload: Buffer) => void,
): (piece: Buffer, first: boolean) => void {
  let channel = -1;
  return (piece, first) => {
    if (first) channel = piece[0]!;
    const payload = first ? piece.subarray(1) : piece;
    if (payload.length > 0) onPayload(channel, payload);
  };
}
