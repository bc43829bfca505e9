// Loads every instruction family (each registers its handlers) and builds the dispatch array.
// Families may split into more files by importing them from their own file; this list stays short.

import "./alu.js";
import "./mov.js";
import "./control.js";
import "./stackops.js";
import "./string.js";
import "./flagops.js";
import "./shift.js";
import "./muldiv.js";
import "./bcd.js";
import "./bits.js";
import "./system.js";
import "./protected.js";
import "../x87/ops.js";
import { buildDispatch } from "./registry.js";

export const HANDLERS = buildDispatch();
