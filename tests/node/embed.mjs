// Runs an embedding model (encoder.onnx) in onnxruntime-node, as an edge client would.
// Usage: node embed.mjs MODEL.onnx PIXELS.f32 N C H W EMBEDDINGS.f32
// PIXELS.f32 holds float32 [N, C, H, W] little-endian; EMBEDDINGS.f32 receives float32 [N, D]; stdout gets the dims.
import { readFileSync, writeFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';

const [model, pixelsPath, n, c, h, w, embeddingsPath] = process.argv.slice(2);
if (!embeddingsPath) {
  console.error('usage: node embed.mjs MODEL.onnx PIXELS.f32 N C H W EMBEDDINGS.f32');
  process.exit(2);
}
// Copied into a fresh buffer: the one readFileSync returns may start at an offset a Float32Array cannot use.
const pixels = new Float32Array(new Uint8Array(readFileSync(pixelsPath)).buffer);
const session = await ort.InferenceSession.create(model);
const { embedding } = await session.run({ pixels: new ort.Tensor('float32', pixels, [n, c, h, w].map(Number)) });
writeFileSync(embeddingsPath, new Uint8Array(embedding.data.buffer, embedding.data.byteOffset, embedding.data.byteLength));
console.log(JSON.stringify({ dims: embedding.dims }));
