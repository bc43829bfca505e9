// Loads every instruction family (each registers its handlers) and builds the dispatch array.
// A family file is added here once; the order does not matter.

import "./alu.js";
import "./mov.js";
import "./control.js";
import "./system.js";
import { buildDispatch } from "./registry.js";

export const HANDLERS = buildDispatch();
