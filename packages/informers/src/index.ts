// @org/informers
export {};
