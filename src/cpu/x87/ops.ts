// x87 instruction handlers (D8..DF, FWAIT, FXSAVE/FXRSTOR) register here.
export {};
