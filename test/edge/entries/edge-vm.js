// Runs the inference scenario inside an edge-runtime VM (web-standard globals only).
import * as lib from '../../../src/inference.ts';
import { inference } from '../scenario.js';

globalThis.runScenario = async (base64) => {
  const bin = atob(base64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return JSON.stringify(await inference(lib, bytes));
};
