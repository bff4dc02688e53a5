// Trains from fine-tune artifacts in onnxruntime-node, as an edge device would: STEPS steps of training_model.onnx on
// one batch, each step's updated parameters and optimizer state fed back into the next.
// Usage: node train.mjs ARTIFACTS_DIR BATCH.f32 LABELS.i64 N STEPS LEARNING_RATE
// BATCH.f32 holds float32 [N, ...inputShape] little-endian (features or pixels, as artifacts.json says); LABELS.i64
// holds int64 [N]. The parameters start from the folder's checkpoint.safetensors. stdout: {"losses": [...]}.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';

const [folder, batchPath, labelsPath, n, steps, learningRate] = process.argv.slice(2);
if (!learningRate) {
  console.error('usage: node train.mjs ARTIFACTS_DIR BATCH.f32 LABELS.i64 N STEPS LEARNING_RATE');
  process.exit(2);
}
const manifest = JSON.parse(readFileSync(join(folder, 'artifacts.json'), 'utf8'));
const count = Number(n);

// Copied into fresh buffers: the one readFileSync returns may start at an offset a typed array cannot use.
const bytes = (path) => new Uint8Array(readFileSync(path)).buffer;

// safetensors: an 8-byte little-endian header length, a JSON header of dtype, shape and byte offsets, then the data.
function readSafetensors(path) {
  const buffer = bytes(path);
  const headerLength = Number(new DataView(buffer).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 8, headerLength)));
  const tensors = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    if (entry.dtype !== 'F32') throw new Error(`${name} is ${entry.dtype}, not F32`);
    const [begin, end] = entry.data_offsets;
    tensors[name] = new ort.Tensor('float32', new Float32Array(buffer.slice(8 + headerLength + begin, 8 + headerLength + end)), entry.shape);
  }
  return tensors;
}

const values = readSafetensors(join(folder, 'checkpoint.safetensors'));
const trained = manifest.parameters.flatMap((parameter) => [parameter.name, ...parameter.state]);
const session = await ort.InferenceSession.create(join(folder, 'training_model.onnx'));
const feeds = {
  [manifest.input]: new ort.Tensor('float32', new Float32Array(bytes(batchPath)), [count, ...manifest.inputShape]),
  labels: new ort.Tensor('int64', new BigInt64Array(bytes(labelsPath)), [count]),
  learning_rate: new ort.Tensor('float32', Float32Array.of(Number(learningRate)), []),
};
const losses = [];
for (let step = 1; step <= Number(steps); step++) {
  feeds.step = new ort.Tensor('int64', BigInt64Array.of(BigInt(step)), []);
  for (const name of trained) feeds[name] = values[name];
  const outputs = await session.run(feeds);
  losses.push(outputs.loss.data[0]);
  for (const name of trained) values[name] = outputs[name + '.updated'];
}
console.log(JSON.stringify({ losses }));
