// `npm start`: will serve the playground (issue "The three front ends"). Until it lands, say so and point at the CLI.
console.log(
  'The playground is coming. Meanwhile try the CLI, e.g.:\n' +
    '  npm run build:node\n' +
    '  node dist/node/cli/main.js logits --model ../shared/fixtures/rwkv-cpp/tiny-rwkv-7v0-834K-FP32.bin \\\n' +
    '       --input prompt.txt --out logits.f32',
);
