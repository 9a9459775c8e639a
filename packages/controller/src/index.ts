// @org/controller
export {};
