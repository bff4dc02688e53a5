// Runs an embedding model (encoder.onnx, or a fine-tuned inference_model.onnx) in onnxruntime-node, as an edge client would.
// Usage: node embed.mjs MODEL.onnx PIXELS.f32 N C H W EMBEDDINGS.f32 [OUTPUT]
// PIXELS.f32 holds float32 [N, C, H, W] little-endian; EMBEDDINGS.f32 receives the float32 output OUTPUT (default
// `embedding`, [N, D]; `probabilities` of a classifier); stdout gets the dims.
import { readFileSync, writeFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';

const [model, pixelsPath, n, c, h, w, embeddingsPath, outputName = 'embedding'] = process.argv.slice(2);
if (!embeddingsPath) {
  console.error('usage: node embed.mjs MODEL.onnx PIXELS.f32 N C H W EMBEDDINGS.f32 [OUTPUT]');
  process.exit(2);
}
// Copied into a fresh buffer: the one readFileSync returns may start at an offset a Float32Array cannot use.
const pixels = new Float32Array(new Uint8Array(readFileSync(pixelsPath)).buffer);
const session = await ort.InferenceSession.create(model);
const { [outputName]: output } = await session.run({ pixels: new ort.Tensor('float32', pixels, [n, c, h, w].map(Number)) });
writeFileSync(embeddingsPath, new Uint8Array(output.data.buffer, output.data.byteOffset, output.data.byteLength));
console.log(JSON.stringify({ dims: output.dims }));
