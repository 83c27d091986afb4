/**
 * Hostile and broken `.pth` files: pickles that name or call anything outside the allowlist (os.system,
 * builtins.eval, an unknown class's __reduce__, STACK_GLOBAL, calling a storage type), opcodes outside torch.save's
 * subset, truncated and compressed zips, tensors that are not contiguous or overrun their storage, and seeded random
 * byte flips — every one ends in a ModelFormatError (or, for flips in tensor data, a successful load), never in
 * another exception or a hang.
 */
import { describe, expect, it } from 'vitest';
import { memorySource } from '../../src/formats/random-access.js';
import { officialTensors, pthEntries, statePickle, writePth, writeZip } from '../helpers/write-pth.js';
import type { PickledTensor } from '../helpers/write-pth.js';
import { expectFormatError, loadOrRefuse, loadPthModel, seededRandom, smallModel } from './helpers.js';

const latin1 = (text: string): Uint8Array => Uint8Array.from(text, (char) => char.charCodeAt(0));

/** A checkpoint whose data.pkl is `pickle`, with the given storages. */
function pthWithPickle(pickle: Uint8Array, storages = new Map<string, Uint8Array>()): Uint8Array {
  return writeZip(pthEntries('archive', pickle, storages));
}

function load(file: Uint8Array): Promise<unknown> {
  return loadPthModel(memorySource(file));
}

/** A one-tensor state dict { name: tensor } of f32 storage '0' holding `numel` values. */
function oneTensor(tensor: Partial<PickledTensor>, storageBytes = 4 * 64): Uint8Array {
  const pickled: PickledTensor = {
    name: 'emb.weight',
    storageType: 'FloatStorage',
    key: '0',
    storageNumel: 64,
    offset: 0,
    shape: [8, 8],
    stride: [8, 1],
    ...tensor,
  };
  return pthWithPickle(statePickle([pickled]), new Map([['0', new Uint8Array(storageBytes)]]));
}

describe('pickles that would execute code are refused', () => {
  const cases: [string, string, RegExp][] = [
    [
      'os.system',
      '\x80\x02cos\nsystem\nq\x00X\x07\x00\x00\x00echo hiq\x01\x85q\x02Rq\x03.',
      /pickle references os\.system/,
    ],
    ['builtins.eval', '\x80\x02cbuiltins\neval\nX\x04\x00\x00\x001+1\x85R.', /pickle references builtins\.eval/],
    ['posix.system', '\x80\x02cposix\nsystem\nX\x02\x00\x00\x00ls\x85R.', /pickle references posix\.system/],
    ['__reduce__ of an unknown class', '\x80\x02c__main__\nExploit\n)R.', /pickle references __main__\.Exploit/],
    [
      'STACK_GLOBAL (protocol 4)',
      '\x80\x04\x95\x00\x00\x00\x00\x00\x00\x00\x00\x8c\x02os\x94\x8c\x06system\x94\x93\x94.',
      /pickle references os\.system/,
    ],
    ['subprocess via GLOBAL', '\x80\x02csubprocess\ncheck_output\n.', /pickle references subprocess\.check_output/],
    ['calling a storage type', '\x80\x02ctorch\nFloatStorage\n)R.', /refusing to call torch\.FloatStorage/],
    ['a list (EMPTY_LIST)', '\x80\x02ccollections\nOrderedDict\n]\x85R.', /opcode 0x5d is outside the subset/],
    ['OrderedDict called with a tuple', '\x80\x02ccollections\nOrderedDict\nK\x01\x85R.', /called with arguments/],
    ['INST (imports by name)', '\x80\x02(ios\nsystem\nX\x02\x00\x00\x00ls.', /opcode 0x69 is outside the subset/],
    ['OBJ', '\x80\x02(ccollections\nOrderedDict\no.', /opcode 0x6f is outside the subset/],
    ['text PERSID', '\x80\x02Pstorage\n.', /opcode 0x50 is outside the subset/],
    ['EXT1 (copyreg registry)', '\x80\x02\x82\x01.', /opcode 0x82 is outside the subset/],
    ['BUILD on a string', '\x80\x02X\x01\x00\x00\x00a}b.', /BUILD on a string/],
    ['a CUDA storage type', '\x80\x02ctorch.cuda\nFloatStorage\n.', /pickle references torch\.cuda\.FloatStorage/],
    ['a protocol 0 pickle', '(dp0\n.', /opcode 0x64 is outside the subset/],
  ];
  for (const [label, pickle, pattern] of cases) {
    it(label, async () => {
      await expectFormatError(load(pthWithPickle(latin1(pickle))), pattern);
    });
  }

  it('the names are checked before anything else happens (GLOBAL alone is refused)', async () => {
    await expectFormatError(load(pthWithPickle(latin1('\x80\x02cos\nsystem\n.'))), /refusing to load/);
  });

  it('a valid pickle that is not a state dict of tensors', async () => {
    await expectFormatError(load(pthWithPickle(latin1('\x80\x02K\x01.'))), /does not hold a dict of tensors/);
    const withString = latin1('\x80\x02}(X\x09\x00\x00\x00_strategyX\x09\x00\x00\x00cuda fp16u.');
    await expectFormatError(load(pthWithPickle(withString)), /state dict entry '_strategy' is not a tensor/);
  });

  it('a pickle without STOP, or cut short', async () => {
    await expectFormatError(load(pthWithPickle(latin1('\x80\x02}'))), /ends without STOP/);
    await expectFormatError(load(pthWithPickle(latin1('\x80\x02X\xff\x00\x00\x00ab'))), /cut short/);
  });
});

describe('broken tensors and archives', () => {
  it('a tensor that is not contiguous', async () => {
    await expectFormatError(load(oneTensor({ stride: [1, 8] })), /'emb\.weight' is not contiguous/);
  });

  it('a tensor that overruns its storage', async () => {
    await expectFormatError(load(oneTensor({ offset: 8 })), /overrun its storage of 64/);
  });

  it('a storage entry shorter than its declared size', async () => {
    await expectFormatError(load(oneTensor({}, 100)), /declares 64 values but its entry holds 100 bytes/);
  });

  it('a missing storage entry', async () => {
    await expectFormatError(load(oneTensor({ key: '7' })), /storage entry data\/7 is missing/);
  });

  it('a big-endian checkpoint', async () => {
    const entries = pthEntries('archive', statePickle([]), new Map());
    entries[1] = { name: 'archive/byteorder', data: latin1('big') };
    await expectFormatError(load(writeZip(entries)), /big-endian/);
  });

  it('a zip without data.pkl, or with two archives', async () => {
    await expectFormatError(load(writeZip([{ name: 'model/weights', data: latin1('x') }])), /no <archive>\/data\.pkl/);
    const twice = [...pthEntries('a', statePickle([]), new Map()), ...pthEntries('b', statePickle([]), new Map())];
    await expectFormatError(load(writeZip(twice)), /2 PyTorch archives \(a, b\)/);
  });

  it('compressed entries (torch.save stores them; a re-zipped checkpoint deflates them)', async () => {
    for (const index of [0, 2]) {
      const entries = pthEntries('archive', statePickle([]), new Map([['0', new Uint8Array(256)]]));
      entries[index] = { ...entries[index], compress: true };
      await expectFormatError(
        load(writeZip(entries)),
        new RegExp(`'${entries[index].name}' is compressed \\(method 8\\)`),
      );
    }
  });

  it('a tensor list that does not make a model', async () => {
    const model = smallModel('5.2', 1);
    const tensors = officialTensors(model);
    const missing = tensors.filter((tensor) => tensor.name !== 'blocks.0.att.gate.weight');
    await expectFormatError(load(writePth(missing)), /missing tensor 'blocks\.0\.att\.gate\.weight'/);
    const extra = [...tensors, { name: 'blocks.0.att.extra', shape: [2], data: new Float32Array(2) }];
    await expectFormatError(load(writePth(extra)), /unexpected tensor 'blocks\.0\.att\.extra'/);
    const wrong = tensors.map((t) => (t.name === 'head.weight' ? { ...t, shape: [t.shape[1], t.shape[0]] } : t));
    await expectFormatError(load(writePth(wrong)), /head\.weight/);
  });

  it('truncated files', async () => {
    const file = writePth(officialTensors(smallModel('7', 2)), { type: 'bf16' });
    for (const length of [0, 3, 21, 22, 100, 4096, file.length >> 1, file.length - 23, file.length - 1]) {
      await expectFormatError(load(file.subarray(0, length)), /zip|truncated|archive/);
    }
  });

  it('seeded random byte flips give a ModelFormatError or a model, never another error', async () => {
    const file = writePth(officialTensors(smallModel('7', 2)), { type: 'f16' });
    const random = seededRandom(20261122);
    const outcomes = { loaded: 0, refused: 0 };
    for (let trial = 0; trial < 300; trial++) {
      const broken = file.slice();
      const flips = 1 + Math.floor(random() * 3);
      for (let i = 0; i < flips; i++) {
        // Most flips land in the structure: data.pkl at the start, the central directory at the end.
        const region = random();
        const span = Math.min(4096, file.length);
        const at =
          region < 0.4
            ? Math.floor(random() * span)
            : region < 0.8
              ? file.length - 1 - Math.floor(random() * span)
              : Math.floor(random() * file.length);
        broken[at] = Math.floor(random() * 256);
      }
      outcomes[await loadOrRefuse(() => load(broken))]++;
    }
    expect(outcomes.refused).toBeGreaterThan(50);
    expect(outcomes.loaded).toBeGreaterThan(10);
  });
});
