// Run ids are claimed, not only looked up: a name one live process holds is refused to another
// claim, and freed when the holder ends, however it ends.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <string>

#include "sys/name_claim.hpp"

namespace wpbench {
namespace {

std::string unique_name(const char* what) {
  return std::string("/test/results/runs/") + what + "-" + std::to_string(getpid());
}

TEST(NameClaim, OneHolderAtATimeAndFreedWhenReleased) {
  const std::string name = unique_name("a");
  auto first = NameClaim::take(name);
  ASSERT_TRUE(first);
  EXPECT_FALSE(NameClaim::take(name));             // held
  EXPECT_TRUE(NameClaim::take(unique_name("b")));  // another name is free
  first.reset();
  EXPECT_TRUE(NameClaim::take(name));  // released
}

TEST(NameClaim, AKilledHolderLeavesTheNameFree) {
  const std::string name = unique_name("killed");
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto claim = NameClaim::take(name);
    const char c = claim ? 'y' : 'n';
    (void)!write(ready[1], &c, 1);
    pause();
    _exit(0);
  }
  char c = 0;
  ASSERT_EQ(read(ready[0], &c, 1), 1);
  ASSERT_EQ(c, 'y');
  EXPECT_FALSE(NameClaim::take(name));  // the child holds it
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  EXPECT_TRUE(NameClaim::take(name));  // nothing on disk kept it
  close(ready[0]);
  close(ready[1]);
}

}  // namespace
}  // namespace wpbench
