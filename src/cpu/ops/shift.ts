// (instruction family file; see ops/index.ts)
export {};
