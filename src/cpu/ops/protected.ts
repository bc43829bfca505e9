// (instruction family file: protected-mode control transfer and segmentation; see ops/index.ts)
export {};
