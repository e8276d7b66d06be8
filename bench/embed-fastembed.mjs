// Child process of bench/embed.ts: fastembed pins onnxruntime-node 1.21, whose native library must not share a
// process with the 1.30 one the rest of the bench loads. Reads { dir, sets: { name: texts[] }, batch } on stdin,
// prints { name: textsPerSecond } as JSON.
import { EmbeddingModel, FlagEmbedding } from 'fastembed';

const input = JSON.parse(await new Promise((res) => {
  let s = '';
  process.stdin.on('data', (d) => { s += d; }).on('end', () => res(s));
}));
// maxLength = the model's sentence-transformers max length (fastembed pads every batch to it and pools CLS).
const model = await FlagEmbedding.init({
  model: EmbeddingModel.CUSTOM, modelAbsoluteDirPath: input.dir, modelName: 'onnx/model.onnx', maxLength: input.maxLength,
});
for await (const _ of model.embed(input.sets[Object.keys(input.sets)[0]].slice(0, 2), 2)) { /* warm-up */ }
const out = {};
for (const [name, texts] of Object.entries(input.sets)) {
  let best = 0;
  for (let rep = 0; rep < input.reps; rep++) {
    const t0 = performance.now();
    let n = 0;
    for await (const batch of model.embed(texts, input.batch)) n += batch.length;
    best = Math.max(best, n / ((performance.now() - t0) / 1000));
  }
  out[name] = best;
}
process.stdout.write(JSON.stringify(out));
