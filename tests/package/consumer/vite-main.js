/* global window, location, URLSearchParams */
/** The Vite app of the consumer test: imports the installed package by name, as a user's app does. */
import * as lib from 'rwkv-webgpu';
import { probe } from './probe.js';

window.probeResult = probe(lib, JSON.parse(new URLSearchParams(location.search).get('settings')));
