/** The empty Node project of the consumer test: imports the installed package by name, prints the probe's result. */
import { readFileSync } from 'node:fs';
import * as lib from 'rwkv-webgpu';
import { probe } from './probe.js';

const settings = JSON.parse(process.argv[2]);
const result = await probe(lib, { ...settings, model: new Uint8Array(readFileSync(settings.model)) });
console.log(JSON.stringify(result));
