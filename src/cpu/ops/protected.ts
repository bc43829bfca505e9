// Protected-mode control transfer and segmentation: the instruction families live in the files
// imported here (ops/index.ts imports this file).
import "./segregs.js";
import "./farops.js";
import "./sysdesc.js";
