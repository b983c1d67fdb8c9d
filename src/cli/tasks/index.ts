// The built-in tasks, by name: the only place that lists them. The CLI reads this
// registry and the Task interface, never a task's name.
import type { Task } from './task.js';
import { posBrown } from './pos-brown-run.js';
import { namesGender } from './names-gender.js';
import { charlmMoby } from './charlm-moby.js';
import { birthsForecast } from './births-forecast.js';
import { g2pCmudict } from './g2p-cmudict.js';

export const TASKS: Record<string, Task> = Object.fromEntries([posBrown, namesGender, charlmMoby, birthsForecast, g2pCmudict].map((t) => [t.name, t]));
