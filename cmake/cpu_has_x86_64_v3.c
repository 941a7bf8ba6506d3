/* Exit status 0 when the CPU running it has every x86-64-v3 feature (AVX2, FMA, BMI2, ...). */
int main(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("x86-64-v3") ? 0 : 1;
}
